"""Care hours: activity taxonomy, care entries and timers, valuation methods, reports."""
