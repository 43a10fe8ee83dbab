"""The shared plan of care: one versioned document per child, its history, exports."""
