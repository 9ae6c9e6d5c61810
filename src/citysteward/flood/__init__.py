"""The flood season (防汛): warnings, response levels, duty, 易涝点, deployments, materials, events."""
