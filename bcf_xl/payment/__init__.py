"""Payment for performance: presets -> plans and actuals -> calculation -> statements."""
