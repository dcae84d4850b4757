"""Pipelines, stages and deals; the forecast."""
