"""Incidents: how they are named (``labels``, pure), the store that clusters reports into them (``store``),
the audit trail (``audit``), dispatch and alerts to agencies (``alerts``), and officers' SMS commands
(``commands``). The clustering rule itself is pure, in ``gateway.routing.clustering``."""
