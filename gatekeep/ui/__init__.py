"""Everything drawn with rich: decisions, the prompt's view, test and replay reports."""
