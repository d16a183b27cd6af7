"""The one error type of the guide build."""


class GuideError(ValueError):
    """The source, a hint file or a built course is not as the build needs.

    The message names the place: a file and line, or a clause and the text
    around the problem, so that a reviewer can find and fix it.
    """
