"""Driving schools (Fahrschulen) as a channel of the driving-licence authority: a school
applies for its pupils with their consent and sees the status of their applications."""
