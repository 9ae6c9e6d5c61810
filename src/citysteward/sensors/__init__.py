"""Sensor devices and alarms (物联感知) that become cases."""
