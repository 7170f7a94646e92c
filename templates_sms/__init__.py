"""SMS templates: ``<name>.<language>.txt``, ``$field`` placeholders, one GSM-7 message each."""
