"""Sahara Desktop."""
