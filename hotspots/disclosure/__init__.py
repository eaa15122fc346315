"""Disclosure control for what police liaisons receive (LGPD): the model, the release, the attacker."""
