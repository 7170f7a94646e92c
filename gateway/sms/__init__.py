"""SMS: the outbound queue (``queue``), sending through a provider (``send``), templates and GSM-7 text, and the
providers behind one interface (``providers``), chosen by SMS_BACKEND. Nothing outside knows which is in use."""
