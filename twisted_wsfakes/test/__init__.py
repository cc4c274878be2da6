"""
Tests for twisted_wsfakes.
"""
