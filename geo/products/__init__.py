"""Products: translations, print maps, snapshots and exports."""
