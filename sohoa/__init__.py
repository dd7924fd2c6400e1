"""Application shell: the sohoa command, settings and service start-up."""
