"""The main job: a citizen's sample batch end to end through real services, then reuse in a second dossier."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.samples import write_sample_batch
from schemas.calendar import local_date
from schemas.procedures import load_catalogue
from sohoa.app import Runtime, initialise, worker_command, worker_environment
from sohoa.settings import Settings
from vault.access import Actor
from vault.corrections import correct_field
from vault.dossiers import Rate, propose_reuse, record_reuse, register_dossier, reuse_rate
from vault.index import Document, Dossier, DossierComponent, Provenance
from workers.service import ingest_batch, wait_for_batch

FIRST_PROCEDURE = "2.000488"  # Cấp Phiếu lý lịch tư pháp: ID card + birth certificate
SECOND_PROCEDURE = "2.000488"  # a second request of the same citizen later: both documents reusable

KEY_FIELDS = {
    "cccd_2021": ("id_number", "full_name", "date_of_birth", "sex", "expiry_date"),
    "birth_certificate": ("full_name", "date_of_birth", "sex", "id_number", "registration_number"),
}


def run_demo(settings: Settings, *, seed: int, processes: int) -> int:
    say = click.echo
    say("== 1. Khởi tạo / set-up: index migrations, vault bucket, keys, development PKI")
    initialise(settings)
    runtime = Runtime(settings)
    ctx = runtime.context()
    catalogue = load_catalogue()

    sample_dir = settings.home / "samples" / f"seed-{seed}"
    batch = write_sample_batch(sample_dir, seed)
    owner_id = batch.citizen.id_number
    say(f"== 2. Lô mẫu / sample batch in {sample_dir}: " + ", ".join(p.name for p in batch.files.values()))

    procedure = catalogue.get(FIRST_PROCEDURE)
    with ctx.vault.session() as session:
        owner = ctx.vault.ensure_owner(session, owner_id)
        first = register_dossier(
            session,
            owner,
            procedure,
            agency_code=settings.agency_code,
            clerk=settings.clerk,
            received_at=datetime.now(UTC),
        )
        first_code = first.code
    say(f"== 3. Hồ sơ 1 / dossier 1: {first_code}  procedure {procedure.code} {procedure.name}")

    receipt = ingest_batch(ctx, list(batch.files.values()), clerk=settings.clerk, dossier_code=first_code)
    for line in receipt.lines:
        say(f"   received [{line.position}] {line.file_name}: {line.state}, queued={line.queued}")

    say(f"== 4. Xử lý / processing with {processes} Dramatiq worker process(es) on {settings.redis_url}")
    log_path = settings.home / "logs" / "workers.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"   worker log: {log_path}")
    log_file = log_path.open("ab")
    workers = subprocess.Popen(
        worker_command(processes), env=worker_environment(), stdout=log_file, stderr=subprocess.STDOUT
    )
    try:
        started = time.monotonic()
        try:
            wait_for_batch(ctx.vault, receipt.batch_id, timeout=1800)
        except TimeoutError as exc:
            raise click.ClickException("timed out waiting for the workers; see `sohoa batch status`") from exc
        say(f"   batch done in {time.monotonic() - started:.1f} s")
    finally:
        workers.send_signal(signal.SIGTERM)
        try:
            workers.wait(timeout=60)
        except subprocess.TimeoutExpired:
            workers.kill()
        log_file.close()

    failures = 0
    with ctx.vault.session() as session:
        for line in receipt.lines:
            document = session.get_one(Document, line.document_id)
            fields = ctx.vault.open_fields(document, actor=Actor.owner(owner_id))
            say(f"-- [{line.position}] {line.file_name}")
            say(
                f"   state: {document.state.value}   type: {document.document_type} "
                f"(confidence {document.type_confidence or 0:.2f})"
            )
            for name in KEY_FIELDS.get(document.document_type or "", ()):
                value = fields.get(name, {}).get("value")
                say(f"   {name:<20} {value}")
            say(
                f"   signature: PAdES {document.signature_level}, "
                f"{'valid' if document.signature_valid else 'NOT valid'}, signer {document.signer}"
            )
            say(f"   vault: s3://{settings.s3_bucket}/{document.signed_object}")
            for problem in document.review_reasons or []:
                say(f"   review: {problem['code']} {problem.get('detail', '')}")
            if document.signature_valid is not True:
                failures += 1
            # The clerk at the counter checks each flagged field against the paper in front of them and
            # confirms it (`sohoa correct`): the correction is kept with who and when, and the document
            # is re-validated, so it becomes reusable.
            # What the paper says is the sample's ground truth (a value the truth does not name, such
            # as a card's expiry, is confirmed as read).
            paper = batch.citizen.to_json()
            for problem in list(document.review_reasons or []):
                name = problem.get("detail", "")
                value = (paper.get(name) or fields.get(name, {}).get("value")) if name else None
                if problem.get("code") in ("low_confidence", "field_invalid") and value:
                    result = correct_field(
                        ctx.vault, session, Actor.clerk(settings.clerk), document.id, name, str(value)
                    )
                    say(f"   clerk checked {name} against the paper: state now {result.state.value}")

    say("== 5. Hồ sơ 2 / dossier 2 of the same citizen: reuse of digitised documents")
    second_procedure = catalogue.get(SECOND_PROCEDURE)
    today = local_date(datetime.now(UTC))
    with ctx.vault.session() as session:
        owner = ctx.vault.ensure_owner(session, owner_id)
        second = register_dossier(
            session,
            owner,
            second_procedure,
            agency_code=settings.agency_code,
            clerk=settings.clerk,
            received_at=datetime.now(UTC),
        )
        proposals = propose_reuse(session, second, second_procedure, today)
        say(f"   dossier {second.code}: {len(proposals)} proposal(s)")
        for p in proposals:
            say(f"   proposed {p.component_code:<18} ← document {p.document_id} ({p.document_type})")
        recorded = record_reuse(session, second, second_procedure, proposals, settings.clerk, today)
        for component in recorded:
            say(f"   recorded {component.component_code:<18} provenance={component.provenance.value}")
        second_code = second.code
        pair = _pair_rate(session, [first_code, second_code])
        period = reuse_rate(session, today, today, settings.agency_code)
    say(
        "== 6. Tỷ lệ tái sử dụng / reuse rate of these two dossiers: "
        f"{pair.numerator}/{pair.denominator} = {pair}"
    )
    say(
        f"   official indicator 4.3 for {today} (all dossiers received today): "
        f"{period.numerator}/{period.denominator} = {period}"
    )
    if failures or not recorded:
        say("DEMO FAILED: a document was not signed validly, or nothing was reused")
        return 1
    return 0


def _pair_rate(session: Session, codes: list[str]) -> Rate:
    dossiers = list(session.scalars(select(Dossier).where(Dossier.code.in_(codes))))
    reused = 0
    for dossier in dossiers:
        components = session.scalars(
            select(DossierComponent).where(DossierComponent.dossier_id == dossier.id)
        )
        if any(c.provenance == Provenance.REUSED for c in components):
            reused += 1
    return Rate(reused, len(dossiers))
