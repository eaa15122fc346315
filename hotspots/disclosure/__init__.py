"""Disclosure control for what police liaisons receive (LGPD): the model, the release, the attacker."""

__all__: list[str] = []  # the modules are the API: rules, model, release, statistics, read, attack
