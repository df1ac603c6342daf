"""Assure a folder of returns: discover -> validate in workers -> assess -> consolidate -> report."""
