"""The ``gateway`` command: the table of its command groups, one module each, thin over the aggregates.

- ``processes``: init, db upgrade, serve, worker, relay;
- ``messages``: simulate sms, parse;  ``ussd``: the USSD menus in a terminal;
- ``incidents``: import officers, incidents, incident;  ``aid``: import households, aid ….
- ``warn``: early warnings to kecamatan and desa, their status, cancel, the log.
- ``accounts``: users (add, list, disable, reset-password) of the desk, and tokens (create, list, revoke) of the API.
"""

from __future__ import annotations

import click

from gateway.cli import accounts, aid, incidents, messages, processes, ussd, warn
from gateway.logs import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Disaster SMS & USSD gateway for one kabupaten.

    Configuration comes from environment variables (see README): DATABASE_URL, REDIS_URL, SMS_BACKEND,
    WEBHOOK_SECRET, GATEWAY_REGION, DEFAULT_LANGUAGE and others. With none set it runs on SQLite under
    var/, writes sent SMS to var/sent_sms.jsonl and runs jobs in-process.
    """
    configure_logging()


@cli.group("import")
def import_() -> None:
    """Import rosters and registries from CSV files."""


import_.add_command(incidents.import_officers)
import_.add_command(aid.import_households)
for command in (processes.init, processes.db, processes.serve, processes.worker, processes.relay,
                messages.simulate, messages.parse, ussd.ussd_command, incidents.incidents, incidents.incident,
                aid.aid, warn.warn, accounts.users, accounts.tokens):  # fmt: skip
    cli.add_command(command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="gateway")
