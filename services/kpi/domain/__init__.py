"""Pure KPI domain: event facts folded per case, figures, deviation rules and guarantee clocks."""
