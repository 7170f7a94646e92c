"""Inbound SMS processed in batches: one transaction for many messages, each answered as if it came alone."""

from __future__ import annotations

from collections.abc import Sequence

from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.jobs.kinds import PROCESS_INBOUND, Outcome
from gateway.jobs.runner import execute_many, in_one_go
from gateway.models import InboundMessage, Incident, OutboxJob, Report
from gateway.runtime import Runtime
from tests.conftest import post_sms, run_worker, sms_to


def post_all(client: FlaskClient, rt: Runtime, messages: Sequence[tuple[str, str]]) -> list[int]:
    """Post (sender, text) pairs through the webhook; return their processing jobs, oldest first."""
    for n, (sender, text) in enumerate(messages):
        assert post_sms(client, text=text, id=f"ATXid_batch_{n}", **{"from": sender}).status_code == 200
    with rt.db.session() as session:
        return list(session.scalars(
            select(OutboxJob.id).where(OutboxJob.kind == PROCESS_INBOUND).order_by(OutboxJob.id)
        ))  # fmt: skip


def test_reports_in_one_batch_join_one_incident_and_each_gets_its_reply(client: FlaskClient, rt: Runtime) -> None:
    jobs = post_all(client, rt, [
        ("081200000001", "LAPOR BANJIR SUKODONO 10 KK"),
        ("081200000002", "LAPOR BANJIR SUKODONO 30 KK BUTUH MAKANAN"),
        ("081200000003", "LAPOR LONGSOR SUKODONO 2 KK"),
        ("081200000004", "LAPOR BANJIR SUKODONO"),  # no count: joins all the same
    ])  # fmt: skip
    ran = execute_many(rt, jobs)  # one batch, as a worker gets it
    assert ran.failed == [] and ran.done[:4] == jobs
    with rt.db.session() as session:
        incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
        reports = session.scalars(select(Report).order_by(Report.id)).all()
        unprocessed = session.scalars(select(InboundMessage).where(InboundMessage.processed_at.is_(None))).all()
    assert [(i.hazard, i.households, i.needs) for i in incidents] == [("flood", 30, "food"), ("landslide", 2, "")]
    assert [r.incident_id for r in reports] == [incidents[0].id, incidents[0].id, incidents[1].id, incidents[0].id]
    assert unprocessed == []
    for phone, ref in (("1", incidents[0].ref), ("2", incidents[0].ref), ("3", incidents[1].ref)):
        [reply] = sms_to(rt, f"+6281200000{phone.zfill(3)}")
        assert f"No. laporan: {ref}" in reply
    run_worker(rt)  # the same jobs handed to Redis as well: nothing happens twice
    with rt.db.session() as session:
        assert len(session.scalars(select(Report)).all()) == 4


def test_a_language_switch_holds_for_the_next_message_of_the_same_batch(client: FlaskClient, rt: Runtime) -> None:
    jobs = post_all(client, rt, [("081200000001", "BAHASA EN"), ("081200000001", "LAPOR BANJIR SUKODONO 5 KK")])
    execute_many(rt, jobs)
    switched, confirmed = sms_to(rt, "+6281200000001")
    assert "English" in switched
    assert confirmed.startswith("Your flood report for Sukodono")


def test_a_batch_that_fails_runs_again_one_by_one_so_only_the_bad_job_fails(rt: Runtime) -> None:
    calls: list[list[int]] = []

    def picky(_rt: Runtime, ref_ids: Sequence[int]) -> list[Outcome]:
        calls.append(list(ref_ids))
        if 13 in ref_ids:
            raise ValueError("row 13 cannot be read")
        return [Outcome(follow_up=(ref_id,)) for ref_id in ref_ids]

    results = in_one_go(picky)(rt, [11, 12, 13, 14])
    assert calls == [[11, 12, 13, 14], [11], [12], [13], [14]]
    assert results[:2] + results[3:] == [Outcome(follow_up=(11,)), Outcome(follow_up=(12,)), Outcome(follow_up=(14,))]
    assert isinstance(results[2], ValueError)
