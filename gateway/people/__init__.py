"""People the gateway knows by phone: contacts (language, opt-out, household link) and agencies' officers."""
