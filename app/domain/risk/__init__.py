"""Risk review of an order: facts about it, one pure function per signal, a score and a verdict.

``facts`` holds what the signals read (parsed from Saleor by the adapter, plus the app's own
history of the shop); ``signals`` the signals; ``scoring`` the settings, reasons and verdict.
"""
