"""USSD menus: declarative screens (menus), the pure state machine, sessions, actions and a terminal simulator."""
