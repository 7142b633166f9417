"""Formulation: Rethink Formulation, prioritisation and Next Steps."""
