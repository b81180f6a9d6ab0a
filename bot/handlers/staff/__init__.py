"""The staff console (SPEC §11): one module per area, all behind the staff guard."""
