"""GOV.UK Frontend's CSS, JavaScript, fonts and images, served under /assets/
from the npm package (gateway/package.json). If they are missing (npm
install not run), pages still render, unstyled."""
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.utils import send_from_directory

from gateway.web.errors import NotFound

ASSET_MAX_AGE = 3600
# files served from the package root; everything else from its assets/ folder
TOP_LEVEL_ASSETS = frozenset({"govuk-frontend.min.css", "govuk-frontend.min.js"})


class Assets:
    """GOV.UK Frontend's built files, looked for in each of `dirs` in turn."""

    def __init__(self, dirs):
        self.dirs = list(dirs)

    def available(self):
        return any((d / "govuk-frontend.min.css").is_file() for d in self.dirs)

    def response(self, request, path):
        for base in self.dirs:
            directory = base if path in TOP_LEVEL_ASSETS else base / "assets"
            if not directory.is_dir():
                continue
            try:
                # send_from_directory refuses paths that leave the directory
                response = send_from_directory(directory, path, request.environ,
                                               max_age=ASSET_MAX_AGE)
            except WerkzeugNotFound:
                continue
            response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
            return response
        raise NotFound("There is no such file")
