"""The ``sohoa`` command: for clerks (ingest, dossiers, reuse), citizens (vault) and auditors (verify)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import func, select

from sohoa.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sohoa.services import ServiceConfig, ServiceStatus
    from vault.access import Actor


def _settings(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict).setdefault("settings", load_settings())


def _today() -> date:
    """Today's date in Vietnam, whatever the machine's time zone."""
    from schemas.calendar import local_date

    return local_date(datetime.now(UTC))


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """sohoa — số hóa hồ sơ và kho dữ liệu công dân / dossier digitisation and citizen data vault."""
    ctx.ensure_object(dict)


# ---------------------------------------------------------------- services
@main.group()
def services() -> None:
    """Local services: MinIO, Redis, PostgreSQL on loopback."""


def _service_config(settings: Settings) -> ServiceConfig:
    from sohoa.app import service_config

    return service_config(settings)


@services.command("start")
@click.pass_context
def services_start(ctx: click.Context) -> None:
    from sohoa import services as svc

    svc.start(_service_config(_settings(ctx)))
    _print_status(svc.status(_service_config(_settings(ctx))))


@services.command("stop")
@click.pass_context
def services_stop(ctx: click.Context) -> None:
    from sohoa import services as svc

    svc.stop(_service_config(_settings(ctx)))


@services.command("status")
@click.pass_context
def services_status(ctx: click.Context) -> None:
    """Each service, the version the server itself reports, and whether it answers."""
    from sohoa import services as svc

    statuses = svc.status(_service_config(_settings(ctx)))
    _print_status(statuses)
    if not all(s.answering for s in statuses):
        sys.exit(1)


def _print_status(statuses: list[ServiceStatus]) -> None:
    for s in statuses:
        state = "answering" if s.answering else "NOT answering"
        click.echo(f"{s.name:<11} {s.address:<22} {state:<14} version={s.version or '-'}  {s.detail}")


# ---------------------------------------------------------------- set-up
@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Migrate the index, create the vault bucket, keys and the development PKI (idempotent)."""
    from sohoa.app import initialise

    pki = initialise(_settings(ctx))
    click.echo(f"index migrated; bucket ready; development PKI at {pki.directory}")


# ---------------------------------------------------------------- dossiers
@main.group()
def dossier() -> None:
    """Dossiers (hồ sơ) for administrative procedures."""


@dossier.command("create")
@click.option("--owner", "owner_id", required=True, help="owner's personal ID number or enterprise code")
@click.option("--procedure", "procedure_code", required=True, help="procedure code, e.g. 2.000488")
@click.pass_context
def dossier_create(ctx: click.Context, owner_id: str, procedure_code: str) -> None:
    from schemas.procedures import load_catalogue
    from sohoa.app import build_vault
    from vault.dossiers import register_dossier

    settings = _settings(ctx)
    procedure = load_catalogue().get(procedure_code)
    vault = build_vault(settings)
    with vault.session() as session:
        owner = vault.ensure_owner(session, owner_id)
        record = register_dossier(
            session,
            owner,
            procedure,
            agency_code=settings.agency_code,
            clerk=settings.clerk,
            received_at=datetime.now(UTC),
            catalogue_version=load_catalogue().catalogue_version,
        )
        click.echo(f"{record.code}  hạn / deadline {record.deadline_on}")


@dossier.command("step")
@click.argument("dossier_code")
@click.argument("step", type=click.Choice(["appraised", "approved", "sealed", "returned"]))
@click.option("--actor", help="who did the step (default: the configured clerk)")
@click.pass_context
def dossier_step(ctx: click.Context, dossier_code: str, step: str, actor: str | None) -> None:
    """Record one of the five steps (thẩm định, phê duyệt, đóng dấu, trả kết quả), in order, now."""
    from sohoa.app import build_vault
    from vault.dossiers import StepOutOfOrder, find_dossier, on_time, record_step
    from vault.index import DossierStep

    settings = _settings(ctx)
    store = build_vault(settings)
    with store.session() as session:
        found = find_dossier(session, dossier_code)
        if found is None:
            raise click.ClickException("no such dossier")
        try:
            record_step(session, found, DossierStep(step), actor or settings.clerk, datetime.now(UTC))
        except StepOutOfOrder as exc:
            raise click.ClickException(str(exc)) from exc
        status = on_time(found, _today())
        label = {True: "đúng hạn / on time", False: "quá hạn / late", None: "chưa đến hạn / not due"}[status]
        click.echo(f"{found.code} {step}; hạn / deadline {found.deadline_on}: {label}")


@dossier.command("result")
@click.argument("dossier_code")
@click.argument("document_id", type=click.UUID)
@click.option("--synced", is_flag=True, help="the e-result was synced to the citizen's portal store")
@click.pass_context
def dossier_result(ctx: click.Context, dossier_code: str, document_id: uuid.UUID, synced: bool) -> None:
    """Link the dossier's result: a signed document of the owner in the vault, of the result type."""
    from schemas.procedures import load_catalogue
    from sohoa.app import build_vault
    from vault.dossiers import InvalidResult, find_dossier, set_result
    from vault.index import Document

    settings = _settings(ctx)
    store = build_vault(settings)
    with store.session() as session:
        found = find_dossier(session, dossier_code)
        document = session.get(Document, document_id)
        if found is None or document is None:
            raise click.ClickException("no such dossier or document")
        try:
            set_result(
                session,
                found,
                load_catalogue().get(found.procedure_code),
                document,
                synced_at=datetime.now(UTC) if synced else None,
            )
        except InvalidResult as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{found.code}: result {document_id}")


# ---------------------------------------------------------------- intake
@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dossier", "dossier_code", help="dossier code the batch belongs to")
@click.option("--owner", "owner_id", help="owner ID, for a batch outside any dossier")
@click.option("--wait/--no-wait", default=False, help="wait until every document is processed")
@click.option("--timeout", default=1800.0, show_default=True, help="seconds to wait at most")
@click.option(
    "--split-on-blank",
    is_flag=True,
    help="the file is a scanned stack: split it on blank separator pages, one document per part",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    files: tuple[Path, ...],
    dossier_code: str | None,
    owner_id: str | None,
    wait: bool,
    timeout: float,
    split_on_blank: bool,
) -> None:
    """Receive a clerk's batch: originals stored encrypted, then queued for the workers."""
    from sohoa.app import Runtime
    from workers.service import ingest_batch

    settings = _settings(ctx)
    runtime = Runtime(settings)
    if split_on_blank:
        from workers.stacks import ingest_stack

        if len(files) != 1:
            raise click.UsageError("--split-on-blank takes one stack file")
        stack = ingest_stack(
            runtime.context(), files[0], clerk=settings.clerk, dossier_code=dossier_code, owner_id=owner_id
        )
        receipt = stack.batch
        if stack.stack_document_id is not None:
            click.echo(
                f"stack {stack.stack_document_id}: blank page(s) {', '.join(map(str, stack.separators))}; "
                + ", ".join(f"pages {a}-{b}" for a, b in stack.parts)
            )
    else:
        receipt = ingest_batch(
            runtime.context(), list(files), clerk=settings.clerk, dossier_code=dossier_code, owner_id=owner_id
        )
    click.echo(
        f"batch {receipt.batch_id}" + (f"  dossier {receipt.dossier_code}" if receipt.dossier_code else "")
    )
    for line in receipt.lines:
        extra = " (already received)" if line.duplicate else ""
        click.echo(f"  [{line.position}] {line.file_name}: {line.state}{extra}  document {line.document_id}")
        if line.reason_code:
            click.echo(f"      {line.reason_code}: {line.message_vi}")
            click.echo(f"      {' ' * len(line.reason_code)}  {line.message_en}")
    if wait:
        from workers.service import wait_for_batch

        try:
            wait_for_batch(runtime.context().vault, receipt.batch_id, timeout)
        except TimeoutError as exc:
            raise click.ClickException("timed out waiting for the batch; see `sohoa batch status`") from exc
        _print_batch(settings, receipt.batch_id)


@main.group()
def batch() -> None:
    """Batches of scans."""


@batch.command("status")
@click.argument("batch_id", type=click.UUID)
@click.option("--watch", is_flag=True, help="live progress bar until the batch is finished")
@click.option("--interval", default=2.0, show_default=True, help="seconds between refreshes (--watch)")
@click.option("--json", "as_json", is_flag=True, help="the progress as JSON (as the HTTP API gives it)")
@click.pass_context
def batch_status(
    ctx: click.Context, batch_id: uuid.UUID, watch: bool, interval: float, as_json: bool
) -> None:
    """Progress of a batch: counts per state, pages per minute, ETA, failures with reasons."""
    import time

    from sohoa.app import build_vault
    from workers.service import batch_progress

    settings = _settings(ctx)
    if as_json:
        vault = build_vault(settings)
        try:
            click.echo(json.dumps(batch_progress(vault, batch_id).as_dict(), ensure_ascii=False, indent=2))
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    if not watch:
        _print_batch(settings, batch_id)
        return
    vault = build_vault(settings)
    while True:
        try:
            progress = batch_progress(vault, batch_id)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        line = render_progress(progress)
        if sys.stdout.isatty():
            click.echo("\r\x1b[2K" + line, nl=False)
        else:
            click.echo(line)
        if progress.finished:
            break
        time.sleep(interval)
    if sys.stdout.isatty():
        click.echo()
    for failure in progress.failures:
        click.echo(f"  [{failure.position}] {failure.document_id} {failure.reason_code}")
        click.echo(f"      {failure.message_vi}")
        click.echo(f"      {failure.message_en}")


def render_progress(progress: Any, width: int = 30) -> str:
    """One line: a bar, done/total, counts per state, pages per minute and ETA."""
    share = progress.done / progress.total if progress.total else 1.0
    filled = round(share * width)
    bar = "#" * filled + "-" * (width - filled)
    counts = " ".join(f"{state}={n}" for state, n in sorted(progress.counts.items()))
    rate = f"{progress.pages_per_minute:.1f} pages/min" if progress.pages_per_minute else "- pages/min"
    if progress.eta_s is None:
        eta = "ETA -"
    else:
        minutes, seconds = divmod(int(progress.eta_s), 60)
        eta = f"ETA {minutes}:{seconds:02d}"
    return f"[{bar}] {progress.done}/{progress.total}  {counts}  {rate}  {eta}"


def _print_batch(settings: Settings, batch_id: uuid.UUID) -> None:
    from schemas.reasons import reason
    from sohoa.app import build_vault
    from vault.index import Batch, Document, DocumentState

    vault = build_vault(settings)
    with vault.session() as session:
        record = session.get(Batch, batch_id)
        if record is None:
            raise click.ClickException("no such batch")
        rows = session.execute(
            select(Document.state, func.count()).where(Document.batch_id == batch_id).group_by(Document.state)
        ).all()
        counts: dict[DocumentState, int] = {state: count for state, count in rows}
        click.echo(
            "batch " + str(batch_id) + ": " + ", ".join(f"{s.value}={n}" for s, n in sorted(counts.items()))
        )
        for document in record.documents:
            line = f"  [{document.source_position}] {document.id} {document.state.value:<12}"
            if document.document_type:
                line += f" {document.document_type}"
            click.echo(line)
            if document.reason_code:
                vi, en = reason(document.reason_code).format(page=document.reason_page)
                click.echo(f"      {document.reason_code}: {vi} / {en}")
            for problem in document.review_reasons or []:
                vi, en = reason(problem["code"]).format(detail=problem.get("detail"))
                click.echo(f"      review {problem['code']}: {vi} / {en}")


# ---------------------------------------------------------------- vault (citizens, clerks, auditors, admins)
ACTOR_HELP = "who makes the request, ROLE:ID (owner:ID, clerk:USER, auditor:USER, admin:USER)"


def _actor(spec: str | None, owner_id: str | None, default_role: str = "owner") -> Actor:
    """The actor a vault command runs as: ``--as ROLE:ID``, else the owner named by ``--owner``."""
    from vault.access import Actor, Role

    if spec is None:
        if default_role == "owner":
            if owner_id is None:
                raise click.UsageError("give --owner, or --as ROLE:ID")
            return Actor.owner(owner_id)
        spec = default_role
    role, _, ident = spec.partition(":")
    try:
        return Actor(Role(role), ident)
    except ValueError as exc:
        raise click.BadParameter(
            f"--as must be ROLE:ID with ROLE one of {', '.join(r.value for r in Role)}"
        ) from exc


def _vault_errors() -> tuple[type[Exception], ...]:
    from vault.crypto import KeyUnavailableError
    from vault.store import ObjectMissing
    from vault.vault import AccessDenied, DocumentNotFound, OwnerErased, RetentionActive

    return (AccessDenied, DocumentNotFound, OwnerErased, RetentionActive, KeyUnavailableError, ObjectMissing)


@main.group()
def vault() -> None:
    """The encrypted vault: citizens' documents, versions, revocation, keys, erasure, accesses."""


@vault.command("list")
@click.option("--owner", "owner_id", required=True)
@click.option("--as", "actor_spec", help=ACTOR_HELP)
@click.pass_context
def vault_list(ctx: click.Context, owner_id: str, actor_spec: str | None) -> None:
    """The owner's documents (metadata only)."""
    from sohoa.app import build_vault

    store = build_vault(_settings(ctx))
    try:
        with store.session() as session:
            documents = store.list_documents(session, _actor(actor_spec, owner_id), owner_id)
            if not documents:
                click.echo("no documents")
            for d in documents:
                validity = {None: "", True: " valid", False: " INVALID"}[d.signature_valid]
                flags = " REVOKED" if d.revoked_at else ""
                flags += f" superseded-by={d.superseded_by}" if d.superseded_by else ""
                click.echo(
                    f"{d.id}  {d.state.value:<12} {d.document_type or '-':<18} "
                    f"valid_until={d.valid_until or '-'}  "
                    f"signature={d.signature_level or '-'}{validity}{flags}"
                )
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc


@vault.command("get")
@click.argument("document_id", type=click.UUID)
@click.option("--owner", "owner_id", help="the owner the read is made for; others are refused")
@click.option("--as", "actor_spec", help=ACTOR_HELP)
@click.option(
    "--kind", type=click.Choice(["signed.pdf", "original"]), default="signed.pdf", show_default=True
)
@click.option("--version", "version_id", help="an earlier version (see `sohoa vault versions`)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def vault_get(
    ctx: click.Context,
    document_id: uuid.UUID,
    owner_id: str | None,
    actor_spec: str | None,
    kind: str,
    version_id: str | None,
    output: Path,
) -> None:
    """Decrypt and write one of a document's objects (the signed PDF by default)."""
    from sohoa.app import build_vault

    store = build_vault(_settings(ctx))
    actor = _actor(actor_spec, owner_id)
    partial = output.with_name(output.name + ".part")
    try:
        with store.session() as session, partial.open("wb") as sink:
            size = store.read_into(session, actor, document_id, sink, kind, version_id)
    except _vault_errors() as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from exc
    partial.replace(output)
    click.echo(f"wrote {output} ({size} bytes)")


@vault.command("versions")
@click.argument("document_id", type=click.UUID)
@click.option("--owner", "owner_id")
@click.option("--as", "actor_spec", help=ACTOR_HELP)
@click.pass_context
def vault_versions(
    ctx: click.Context, document_id: uuid.UUID, owner_id: str | None, actor_spec: str | None
) -> None:
    """Every stored version of a document's objects."""
    from sohoa.app import build_vault

    store = build_vault(_settings(ctx))
    try:
        with store.session() as session:
            versions = store.versions(session, _actor(actor_spec, owner_id), document_id)
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc
    for v in versions:
        retained = f"  retained-until={v.retained_until:%Y-%m-%d}" if v.retained_until else ""
        click.echo(
            f"{v.kind:<11} {v.version_id or '-':<40} {v.size:>10} bytes  {v.created_at:%Y-%m-%d %H:%M:%S}"
            f"{'  current' if v.current else ''}{retained}"
        )


@vault.command("revoke")
@click.argument("document_id", type=click.UUID)
@click.option("--reason", required=True, help="reason code, e.g. lost_or_stolen, issued_in_error")
@click.option("--as", "actor_spec", help=ACTOR_HELP + " (default: clerk:<SOHOA_CLERK>)")
@click.pass_context
def vault_revoke(ctx: click.Context, document_id: uuid.UUID, reason: str, actor_spec: str | None) -> None:
    """Mark a document revoked: no longer valid nor reusable (its copies stay as history)."""
    from sohoa.app import build_vault

    settings = _settings(ctx)
    store = build_vault(settings)
    try:
        with store.session() as session:
            store.revoke(session, _actor(actor_spec, None, f"clerk:{settings.clerk}"), document_id, reason)
    except (*_vault_errors(), ValueError) as exc:  # type: ignore[misc]
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {document_id} ({reason})")


@vault.command("supersede")
@click.argument("document_id", type=click.UUID)
@click.option("--by", "by_document_id", type=click.UUID, required=True, help="the newer document")
@click.option("--as", "actor_spec", help=ACTOR_HELP + " (default: clerk:<SOHOA_CLERK>)")
@click.pass_context
def vault_supersede(
    ctx: click.Context, document_id: uuid.UUID, by_document_id: uuid.UUID, actor_spec: str | None
) -> None:
    """Record that a newer document of the same owner replaces this one."""
    from sohoa.app import build_vault

    settings = _settings(ctx)
    store = build_vault(settings)
    try:
        with store.session() as session:
            store.supersede(
                session, _actor(actor_spec, None, f"clerk:{settings.clerk}"), document_id, by_document_id
            )
    except (*_vault_errors(), ValueError) as exc:  # type: ignore[misc]
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{document_id} superseded by {by_document_id}")


@vault.command("rotate-keys")
@click.option("--new-kek/--keep-kek", default=True, show_default=True, help="make a new KEK first")
@click.option("--as", "actor_spec", default="admin:operator", show_default=True, help=ACTOR_HELP)
@click.pass_context
def vault_rotate_keys(ctx: click.Context, new_kek: bool, actor_spec: str) -> None:
    """Re-wrap every owner's data key under a new key-encryption key; objects are not touched."""
    from sohoa.app import build_vault

    store = build_vault(_settings(ctx))
    try:
        report = store.rotate_keys(_actor(actor_spec, None), new_kek=new_kek)
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"re-wrapped {report.rewrapped} data key(s) under {report.kek_id}"
        + (f" (from {', '.join(report.previous_kek_ids)})" if report.previous_kek_ids else "")
    )
    if report.remaining:
        click.echo(f"{report.remaining} owner(s) still under an older KEK (busy meanwhile): run again")
        sys.exit(1)


@vault.command("erase")
@click.option("--owner", "owner_id", required=True)
@click.option("--bypass-retention", is_flag=True, help="delete objects under governance retention too")
@click.option("--yes", is_flag=True, help="confirm: this cannot be undone")
@click.option("--as", "actor_spec", default="admin:operator", show_default=True, help=ACTOR_HELP)
@click.pass_context
def vault_erase(
    ctx: click.Context, owner_id: str, bypass_retention: bool, yes: bool, actor_spec: str
) -> None:
    """Erase an owner's vault (crypto-shredding): data key destroyed, objects deleted, rows tombstoned."""
    from sohoa.app import build_vault

    if not yes:
        raise click.UsageError("erasure cannot be undone: add --yes")
    store = build_vault(_settings(ctx))
    try:
        report = store.erase_owner(_actor(actor_spec, None), owner_id, bypass_retention=bypass_retention)
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"erased at {report.erased_at:%Y-%m-%d %H:%M:%S}Z: data key destroyed, "
        f"{report.documents} document(s) tombstoned, {report.objects_deleted} object version(s) deleted"
    )


@vault.command("accesses")
@click.option("--owner", "owner_id", required=True)
@click.option("--as", "actor_spec", help=ACTOR_HELP)
@click.option("--limit", default=200, show_default=True)
@click.pass_context
def vault_accesses(ctx: click.Context, owner_id: str, actor_spec: str | None, limit: int) -> None:
    """Who accessed the owner's documents, and when (newest first)."""
    from sohoa.app import build_vault

    store = build_vault(_settings(ctx))
    try:
        with store.session() as session:
            accesses = store.accesses(session, _actor(actor_spec, owner_id), owner_id, limit)
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc
    for a in accesses:
        click.echo(
            f"{a.at:%Y-%m-%d %H:%M:%S}Z  {a.role:<8} {a.who:<20} {a.action:<18} {a.outcome:<8} "
            f"{a.document_id or ''}"
        )


# ---------------------------------------------------------------- audit log
@main.group()
def audit() -> None:
    """The append-only, hash-chained audit log of vault reads and writes."""


@audit.command("verify")
@click.option(
    "--expect-head", help="a head hash anchored earlier (`sohoa audit head`): detects a rewritten log"
)
@click.pass_context
def audit_verify(ctx: click.Context, expect_head: str | None) -> None:
    """Check the whole chain; names the first edited, deleted or reordered record (exit status 1)."""
    from sohoa.app import build_vault

    result = build_vault(_settings(ctx)).audit.verify(expected_head=expect_head)
    if result.problem is not None:
        click.echo(
            f"audit log BROKEN at record {result.problem.seq} ({result.problem.kind}): "
            f"{result.problem.message}"
        )
        sys.exit(1)
    click.echo(f"audit log intact: {result.records} record(s), head {result.head_seq} {result.head_hash}")


@audit.command("head")
@click.pass_context
def audit_head(ctx: click.Context) -> None:
    """Print the chain head (sequence number and hash), to anchor it somewhere else."""
    from sohoa.app import build_vault

    seq, head = build_vault(_settings(ctx)).audit.head()
    click.echo(f"{seq} {head}")


# ---------------------------------------------------------------- auditors
@main.command()
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust-root",
    "trust_roots",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="trusted root certificate (PEM/DER); default: the configured roots",
)
@click.option(
    "--crl", "crls", multiple=True, type=click.Path(exists=True, path_type=Path), help="a CRL to use"
)
@click.option("--online", is_flag=True, help="fetch OCSP/CRLs named in the certificates (default: offline)")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.option("--xml", "as_xml", is_flag=True, help="the ETSI TS 119 102-2 validation report (XML)")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.pass_context
def verify(
    ctx: click.Context,
    pdf: Path,
    trust_roots: tuple[Path, ...],
    crls: tuple[Path, ...],
    online: bool,
    as_json: bool,
    as_xml: bool,
    lang: str,
) -> None:
    """Signature report for a PDF; exit status 1 when any signature fails."""
    from signing.verify import verify_pdf

    roots = list(trust_roots)
    if not roots:
        from sohoa.app import trust_roots as configured_roots

        roots = list(configured_roots(_settings(ctx)))
    report = verify_pdf(pdf.read_bytes(), roots, crls=list(crls), allow_fetching=online, etsi_report=as_xml)
    if as_xml:
        if report.etsi_report_xml is None:
            click.echo("no ETSI report: no signature could be validated", err=True)
        else:
            click.echo(report.etsi_report_xml)
    elif as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.to_text("en" if lang == "en" else "vi"))
    sys.exit(0 if report.valid else 1)


@main.group()
def pki() -> None:
    """The development PKI (root CA, issuing CA, seal and official certificates, CRL, OCSP, TSA)."""


@pki.command("serve")
@click.pass_context
def pki_serve(ctx: click.Context) -> None:
    """Serve the development PKI's CRLs, OCSP responder and timestamp authority on loopback (foreground)."""
    from signing.devserver import DevPkiServer
    from sohoa.app import dev_pki

    settings = _settings(ctx)
    server = DevPkiServer("127.0.0.1", settings.pki_port)
    authority = dev_pki(settings)
    click.echo(
        f"development PKI services on {server.url} (CRL, OCSP {server.url}/ocsp, TSA {server.url}/tsa)"
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(authority)


# ---------------------------------------------------------------- reuse
@main.group()
def reuse() -> None:
    """Reuse of already digitised documents, and the official reuse rate."""


@reuse.command("propose")
@click.argument("dossier_code")
@click.option("--record", is_flag=True, help="record the proposals as reused components")
@click.pass_context
def reuse_propose(ctx: click.Context, dossier_code: str, record: bool) -> None:
    from schemas.procedures import load_catalogue
    from sohoa.app import build_vault
    from vault.dossiers import find_dossier, propose_reuse, record_reuse

    settings = _settings(ctx)
    store = build_vault(settings)
    with store.session() as session:
        found = find_dossier(session, dossier_code)
        if found is None:
            raise click.ClickException("no such dossier")
        procedure = load_catalogue().get(found.procedure_code)
        proposals = propose_reuse(session, found, procedure, _today())
        for p in proposals:
            click.echo(
                f"  {p.component_code}: document {p.document_id} "
                f"({p.document_type}, signature {p.signature_level})"
            )
        if not proposals:
            click.echo("  nothing reusable")
        if record and proposals:
            recorded = record_reuse(session, found, procedure, proposals, settings.clerk, _today())
            click.echo(f"recorded {len(recorded)} component(s) as reused")


@reuse.command("report")
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first receipt date (default: today)"
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last receipt date (default: today)")
@click.pass_context
def reuse_report(ctx: click.Context, start: datetime | None, end: datetime | None) -> None:
    """Indicator 4.3: dossiers with ≥ 1 component reused / dossiers received in the period."""
    from sohoa.app import build_vault
    from vault.dossiers import reuse_rate

    settings = _settings(ctx)
    first = start.date() if start else _today()
    last = end.date() if end else first if start else _today()
    store = build_vault(settings)
    with store.session() as session:
        rate = reuse_rate(session, first, last, settings.agency_code)
    click.echo(
        f"Tỷ lệ tái sử dụng / reuse rate {first}..{last}, agency {settings.agency_code}: "
        f"{rate.numerator}/{rate.denominator} = {rate}"
    )


# ---------------------------------------------------------------- indicators
@main.command()
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="first receipt date")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="last receipt date")
@click.option("--agency", "agencies", multiple=True, help="agency code (repeatable; default: every agency)")
@click.option("--by-procedure", is_flag=True, help="one row per agency and procedure")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="report date for on-time (default: --to)")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option(
    "--chart",
    "chart_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="also write a chart of --indicator per procedure per month (PNG + self-contained HTML) here",
)
@click.option("--indicator", "chart_indicator", default="4.3", help="indicator for --chart (default 4.3)")
@click.option(
    "--results-basis",
    type=click.Choice(["received", "resolved"]),
    default="received",
    show_default=True,
    help="4.1 and 4.2 over dossiers received, or resolved (returned), in the period",
)
@click.pass_context
def indicators(
    ctx: click.Context,
    start: datetime,
    end: datetime,
    agencies: tuple[str, ...],
    by_procedure: bool,
    as_of: datetime | None,
    fmt: str,
    chart_dir: Path | None,
    chart_indicator: str,
    results_basis: str,
) -> None:
    """Official indicators 4.1-4.4 (Decision 766/QĐ-TTg) plus per-component reuse and on-time, per agency."""
    import csv

    from schemas.procedures import load_catalogue
    from sohoa.app import build_vault
    from vault.indicators import INDICATORS, compute_indicators

    store = build_vault(_settings(ctx))
    with store.session() as session:
        rows = compute_indicators(
            session,
            load_catalogue(),
            start.date(),
            end.date(),
            agency_codes=list(agencies) or None,
            by_procedure=by_procedure,
            as_of=as_of.date() if as_of else None,
            results_basis="resolved" if results_basis == "resolved" else "received",
        )
        if chart_dir is not None:
            _write_chart(session, chart_dir, chart_indicator, start.date(), end.date(), agencies)
    if fmt == "json":
        click.echo(json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            [
                "agency_code",
                "procedure_code",
                "from",
                "to",
                "indicator",
                "numerator",
                "denominator",
                "percent",
            ]
        )
        for row in rows:
            for key, rate in row.rates.items():
                percent = "N/A" if rate.percent is None else str(rate.percent)
                cells = [row.agency_code, row.procedure_code or "", row.start, row.end, key]
                writer.writerow([*cells, rate.numerator, rate.denominator, percent])
        return
    click.echo(f"{start.date()}..{end.date()}")
    for key, name in INDICATORS.items():
        click.echo(f"  {key:<16} {name}")
    header = f"{'agency':<14} {'procedure':<9} " + " ".join(f"{key:>16}" for key in INDICATORS)
    click.echo(header)
    for row in rows:
        line = " ".join(
            f"{f'{r.numerator}/{r.denominator} ' + ('N/A' if r.percent is None else f'{r.percent}%'):>16}"
            for r in row.rates.values()
        )
        click.echo(f"{row.agency_code:<14} {row.procedure_code or '*':<9} {line}")


def _write_chart(
    session: Session, out: Path, indicator: str, start: date, end: date, agencies: tuple[str, ...]
) -> None:
    from schemas.procedures import load_catalogue
    from vault.charts import chart_title, monthly_series, render_html, render_png
    from vault.indicators import INDICATORS

    if indicator not in INDICATORS:
        raise click.ClickException(f"unknown indicator; one of {', '.join(INDICATORS)}")
    agency = agencies[0] if len(agencies) == 1 else None
    labels, series = monthly_series(session, load_catalogue(), start, end, indicator, agency)
    title = chart_title(indicator) + (f" — {agency}" if agency else "")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"indicator-{indicator.replace('.', '_')}"
    render_png(title, labels, series, out / f"{stem}.png")
    (out / f"{stem}.html").write_text(render_html(title, labels, series), encoding="utf-8")
    click.echo(f"chart: {out / stem}.png, {out / stem}.html", err=True)


# ---------------------------------------------------------------- workers
@main.command()
@click.option("--processes", type=int, default=0, help="OCR worker processes (default: one per core)")
@click.option("--io-processes", type=int, default=None, help="signing/storage processes [setting]")
@click.option("--io-threads", type=int, default=None, help="threads per signing/storage process [setting]")
@click.option("--reconcile-every", type=float, default=None, help="seconds between reconciler runs; 0: off")
@click.option("--metrics-port", type=int, default=None, help="Prometheus /metrics on loopback; 0: off")
@click.pass_context
def worker(
    ctx: click.Context,
    processes: int,
    io_processes: int | None,
    io_threads: int | None,
    reconcile_every: float | None,
    metrics_port: int | None,
) -> None:
    """Run the workers under a supervisor that restarts any that die: one OCR process per core (one
    thread, OMP_THREAD_LIMIT=1, prefetch 1) and signing/storage processes with a few threads; the
    reconciler runs inside. SIGTERM/SIGINT: work in progress is finished, then everything stops."""
    import logging

    from sohoa.app import build_supervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _settings(ctx)
    supervisor = build_supervisor(
        settings,
        ocr_processes=processes or settings.worker_processes or os.cpu_count() or 1,
        io_processes=settings.worker_io_processes if io_processes is None else io_processes,
        io_threads=io_threads or settings.worker_io_threads,
        reconcile_every_s=settings.reconcile_every_s if reconcile_every is None else reconcile_every,
        metrics_port=settings.metrics_port if metrics_port is None else metrics_port,
    )
    sys.exit(supervisor.run())


@main.command()
@click.option("--older-than", default=600, show_default=True, help="seconds without progress")
@click.option("--unqueued-after", default=10, show_default=True, help="seconds a never-queued one waits")
@click.option("--every", type=float, default=0, help="run every N seconds until interrupted")
@click.pass_context
def reconcile(ctx: click.Context, older_than: int, unqueued_after: int, every: float) -> None:
    """Queue again documents stuck in a non-final state (the broker lost or never got their message)."""
    import time
    from datetime import timedelta

    from sohoa.app import Runtime
    from workers.service import reconcile as run

    runtime = Runtime(_settings(ctx))
    while True:
        count = run(runtime.context(), timedelta(seconds=older_than), timedelta(seconds=unqueued_after))
        click.echo(f"re-enqueued {count} document(s)")
        if every <= 0:
            return
        time.sleep(every)


@main.group()
def deadletter() -> None:
    """Dead-lettered messages (retries exhausted, or a bug): list and requeue."""


@deadletter.command("list")
@click.pass_context
def deadletter_list(ctx: click.Context) -> None:
    """Dead letters with queue, message id, actor, document id, retries and when (no content)."""
    from sohoa.app import build_broker
    from workers.deadletter import list_dead

    dead = list_dead(build_broker(_settings(ctx)))
    for item in dead:
        when = item.dead_at.isoformat(timespec="seconds") if item.dead_at else "-"
        click.echo(
            f"{item.queue:<6} {item.message_id}  {item.actor:<15} document {item.document_id}  "
            f"retries {item.retries}  dead since {when}"
        )
    click.echo(f"{len(dead)} dead letter(s)")


@deadletter.command("requeue")
@click.argument("message_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="requeue every dead letter")
@click.pass_context
def deadletter_requeue(ctx: click.Context, message_ids: tuple[str, ...], everything: bool) -> None:
    """Put dead letters back on their queue with fresh retries (the given ids, or --all)."""
    from sohoa.app import build_broker
    from workers.deadletter import requeue_dead

    if not message_ids and not everything:
        raise click.UsageError("give message ids or --all")
    moved = requeue_dead(build_broker(_settings(ctx)), None if everything else set(message_ids))
    click.echo(f"requeued {moved} message(s)")


@main.command()
@click.pass_context
def metrics(ctx: click.Context) -> None:
    """Queue depths and documents per state, now (the same figures `sohoa worker --metrics-port` serves)."""
    from sohoa.app import build_broker, build_vault
    from workers.deadletter import queue_depths
    from workers.service import documents_by_state

    settings = _settings(ctx)
    for queue, depth in queue_depths(build_broker(settings)).items():
        click.echo(f"queue {queue:<8} {depth}")
    for state, count in sorted(documents_by_state(build_vault(settings)).items()):
        click.echo(f"state {state:<12} {count}")


@main.command()
@click.option("--seed", default=2026, show_default=True, help="seed of the sample citizen and scans")
@click.option("--workers", "processes", type=int, default=0, help="worker processes (default: one per core)")
@click.pass_context
def demo(ctx: click.Context, seed: int, processes: int) -> None:
    """The main job: a sample batch end to end, then reuse in a second dossier."""
    from sohoa.demo import run_demo

    settings = _settings(ctx)
    sys.exit(run_demo(settings, seed=seed, processes=processes or os.cpu_count() or 1))


# ---------------------------------------------------------------- review and corrections (issue 4)
@main.group()
def review() -> None:
    """Documents waiting for a clerk: the queue and one document's fields and reasons."""


def _reason_line(reason: dict[str, str]) -> str:
    from schemas.reasons import REASONS

    entry = REASONS.get(reason.get("code", ""))
    if entry is None:
        return f"{reason.get('code')} {reason.get('detail', '')}".strip()
    vi, en = entry.format(detail=reason.get("detail"))
    return f"{entry.code}: {vi} / {en}"


@review.command("list")
@click.option("--as", "actor_spec", help=ACTOR_HELP + " (default: clerk:<SOHOA_CLERK>)")
@click.option("--limit", type=int, default=200, show_default=True)
@click.pass_context
def review_list(ctx: click.Context, actor_spec: str | None, limit: int) -> None:
    """Documents in needs_review of the dossiers the clerk handles, oldest first (no personal data)."""
    from sohoa.app import build_vault
    from vault.corrections import review_queue

    settings = _settings(ctx)
    store = build_vault(settings)
    try:
        with store.session() as session:
            documents = review_queue(
                store, session, _actor(actor_spec, None, f"clerk:{settings.clerk}"), limit
            )
            if not documents:
                click.echo("nothing to review")
            for d in documents:
                codes = ", ".join(f"{r.get('code')}:{r.get('detail', '')}" for r in d.review_reasons or [])
                click.echo(f"{d.id}  {d.document_type or '-':<22} {codes}")
    except (*_vault_errors(), PermissionError) as exc:  # type: ignore[misc]
        raise click.ClickException(str(exc)) from exc


@review.command("show")
@click.argument("document_id", type=click.UUID)
@click.option("--as", "actor_spec", help=ACTOR_HELP + " (default: clerk:<SOHOA_CLERK>)")
@click.pass_context
def review_show(ctx: click.Context, document_id: uuid.UUID, actor_spec: str | None) -> None:
    """One document's type, reasons, extracted fields (decrypted for the clerk) and corrections."""
    from sohoa.app import build_vault
    from vault.corrections import corrections_of, field_from_dict

    settings = _settings(ctx)
    store = build_vault(settings)
    actor = _actor(actor_spec, None, f"clerk:{settings.clerk}")
    try:
        with store.session() as session:
            document = store.get(session, actor, document_id)
            fields = store.open_fields(document, actor=actor)
            click.echo(f"{document.id}  {document.document_type or '-'}  {document.state.value}")
            for reason in document.review_reasons or []:
                click.echo(f"  ! {_reason_line(reason)}")
            for name, data in fields.items():
                f = field_from_dict(data)
                mark = "ok " if f.valid else "BAD"
                notes = f" [{', '.join(f.problems)}]" if f.problems else ""
                click.echo(f"  {mark} {name:<26} {f.value!s:<40} {f.confidence:.2f} {f.source}{notes}")
            for c in corrections_of(session, document):
                click.echo(f"  corrected {c.field} by {c.clerk} at {c.corrected_at:%Y-%m-%d %H:%M:%S}")
    except _vault_errors() as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("document_id", type=click.UUID)
@click.argument("field")
@click.argument("value")
@click.option("--by", "clerk", required=True, help="the clerk making the correction (user id)")
@click.pass_context
def correct(ctx: click.Context, document_id: uuid.UUID, field: str, value: str, clerk: str) -> None:
    """Correct one extracted FIELD of a document; the document is re-validated and the correction kept."""
    from sohoa.app import build_vault
    from vault.access import Actor
    from vault.corrections import correct_field

    store = build_vault(_settings(ctx))
    try:
        with store.session() as session:
            result = correct_field(
                store, session, Actor.clerk(clerk), document_id, field, value, today=_today()
            )
    except (*_vault_errors(), PermissionError, ValueError) as exc:  # type: ignore[misc]
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result.field}: {'valid' if result.valid else 'NOT VALID'}; document {result.state.value}")
    for reason in result.reasons:
        click.echo(f"  ! {_reason_line(reason)}")


@main.group("schemas")
def schemas_group() -> None:
    """Document types as data: their JSON Schemas."""


@schemas_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def schemas_export(directory: Path) -> None:
    """Write one JSON Schema per document type into DIRECTORY."""
    from schemas.export import export_schemas

    for path in export_schemas(directory):
        click.echo(str(path))


if __name__ == "__main__":
    main()
