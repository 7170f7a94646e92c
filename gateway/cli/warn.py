"""``gateway warn``: send an early warning to kecamatan and desa, see its progress, cancel it, list the log."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import click

from gateway.cli.common import runtime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gateway.models import EarlyWarning

STATES = ("not queued", "queued", "sending", "sent", "delivered", "failed", "in_doubt", "expired", "withheld")


@click.group(invoke_without_command=True)
@click.option("--area", help="Kecamatan or desa, by code or exact name; several separated by commas.")
@click.option("--text", "text", help="What to say (GSM-7, at most two SMS segments with the header).")
@click.option("--level", type=click.Choice(["waspada", "siaga", "awas"]), default="siaga", show_default=True)
@click.option("--dry-run", is_flag=True, help="Count recipients, segments and cost; send nothing.")
@click.option("--key", help="Idempotency key: running the same warning again with it sends nothing twice.")
@click.option("--by", "by", help="Who sends it, for the audit log (default: the OS user).")
@click.pass_context
def warn(ctx: click.Context, area: str | None, text: str | None, level: str, dry_run: bool, key: str | None,
         by: str | None) -> None:  # fmt: skip
    """Warn everyone in an area by SMS: phones watching its desa (PANTAU), residents registered there, officers.

    One SMS per phone, in its language, in the warnings' own lane. `gateway warn status ID`, `gateway warn
    cancel ID`, `gateway warn list`.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not area or not text:
        raise click.UsageError("give --area and --text (or a command: status, cancel, list)")
    from gateway.warnings import send
    from gateway.warnings.areas import AreaError, resolve_areas
    from gateway.warnings.lane import hand_off_warnings

    with runtime() as rt:
        try:
            areas = resolve_areas(rt.region, area)
            texts = send.check_text(rt.region, level, text)
        except (AreaError, send.WarningError) as error:
            raise click.ClickException(str(error)) from None
        with rt.db.session() as session:
            estimate = send.plan(session, rt.settings, areas, texts)
        segments = "/".join(str(texts[language].segments) for language in ("id", "en"))
        languages = f"Bahasa {estimate.by_language['id']}, English {estimate.by_language['en']}"
        cost = f"Rp {estimate.cost:,} ({estimate.total_segments} segments at Rp {estimate.price_per_segment})"
        click.echo(f"{estimate.recipients} recipients ({languages}); {segments} segment(s) per SMS (Bahasa/English); "
                   f"estimated cost {cost}")  # fmt: skip
        click.echo(f"  {texts['id'].text}")
        if dry_run:
            click.echo("dry run: nothing sent")
            return
        try:
            with rt.db.session() as session:
                warning = send.start_warning(session, rt.settings, areas, level, text, by or getpass.getuser(), key)
                warning_id, total = warning.id, warning.recipients or 0
                first, last = send.id_range(session, warning_id)
        except send.WarningError as error:
            raise click.ClickException(str(error)) from None
        done, new, handed = 0, 0, True
        for start, end in send.chunk_ranges(first, last):
            with rt.db.session() as session:
                if _cancelled(session, warning_id):
                    raise click.ClickException(f"warning {warning_id} was cancelled; nothing more queued")
                jobs = send.queue_chunk(session, rt.settings, warning_id, texts, start, end)
            handed = hand_off_warnings(rt, jobs) and handed if jobs else handed
            new += len(jobs)
            done += end - start + 1
            click.echo(f"queued {min(done, total)}/{total}")
        with rt.db.session() as session:
            send.finish_queueing(session, warning_id)
        if not handed:
            why = "Redis is not reachable" if rt.queue is not None else "no REDIS_URL"
            click.echo(f"{why}: `gateway relay` or `gateway serve` sends them", err=True)
        click.echo(f"{new} SMS queued by this run (a re-run with the same --key queues only what was not)")
        click.echo(f"warning {warning_id}")


def _cancelled(session: Session, warning_id: int) -> bool:
    return _warning(session, warning_id).cancelled_at is not None


@warn.command("status")
@click.argument("warning_id", type=int)
def status(warning_id: int) -> None:
    """How many SMS of warning ID are queued, sent, delivered, failed or withheld."""
    from gateway.warnings.send import progress

    with runtime() as rt, rt.db.session() as session:
        warning = _warning(session, warning_id)
        counts = progress(session, warning_id)
        click.echo(_describe(warning))
        click.echo("  ".join(f"{state}: {counts.get(state, 0)}" for state in STATES if counts.get(state) or
                             state in ("queued", "sent", "delivered", "failed", "withheld")))  # fmt: skip


@warn.command("cancel")
@click.argument("warning_id", type=int)
@click.option("--by", "by", help="Who cancels it, for the audit log (default: the OS user).")
def cancel_command(warning_id: int, by: str | None) -> None:
    """Stop every SMS of warning ID not sent yet."""
    from gateway.warnings.send import cancel

    with runtime() as rt, rt.db.session() as session:
        stopped = cancel(session, _warning(session, warning_id), by or getpass.getuser())
    click.echo(f"warning {warning_id} cancelled: {stopped} SMS not sent")


@warn.command("list")
def list_command() -> None:
    """The audit log of warnings, newest first: when, who, where, level, recipients, cancelled."""
    from sqlalchemy import select

    from gateway.models import EarlyWarning

    with runtime() as rt, rt.db.session() as session:
        for warning in session.scalars(select(EarlyWarning).order_by(EarlyWarning.id.desc())):
            click.echo(_describe(warning))


def _warning(session: Session, warning_id: int) -> EarlyWarning:
    from gateway.models import EarlyWarning

    warning = session.get(EarlyWarning, warning_id)
    if warning is None:
        raise click.ClickException(f"no warning {warning_id}")
    return warning


def _describe(warning: EarlyWarning) -> str:
    cancelled = f", cancelled {warning.cancelled_at:%Y-%m-%d %H:%M} UTC by {warning.cancelled_by}" \
        if warning.cancelled_at else ""  # fmt: skip
    sent = f"sent {warning.created_at:%Y-%m-%d %H:%M} UTC by {warning.sent_by}"
    return (f"warning {warning.id} {warning.level.upper()} to {warning.areas}: {warning.recipients} recipients, "
            f"{sent}{cancelled}: {warning.text!r}")  # fmt: skip
