"""Operations (issue 15): backups, scheduled jobs and `lms doctor`, for running the platform for real."""
