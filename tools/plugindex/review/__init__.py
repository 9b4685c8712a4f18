"""The pull-request review: ``gather`` (git -> ReviewInputs, reading the head as data),
``verdict`` (pure: what a change does, whether its author may, one verdict) and ``comment``
(the Markdown comment and the JSON result). The example to follow: ``comment.md`` escapes
everything that comes from the pull request, so it cannot become a link, an image, a mention
or markup.
"""
