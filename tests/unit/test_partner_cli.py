"""``hub partner provision``: how the password reaches it, without the broker or a database."""

from typer.testing import CliRunner

from hub.cli import app


def provision(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["partner", "provision", "p-cli", *args], input=stdin)


def test_help_recommends_password_stdin_and_warns_about_password():
    help_text = CliRunner().invoke(app, ["partner", "provision", "--help"]).output
    assert "--password-stdin" in help_text
    assert "ps" in help_text


def test_password_and_password_stdin_together_are_refused_before_anything_is_done():
    result = provision("--password", "x", "--password-stdin", stdin="y\n")
    assert result.exit_code == 1
    assert "not both" in result.stderr


def test_an_empty_password_on_stdin_is_refused():
    result = provision("--password-stdin", stdin="\n")
    assert result.exit_code == 1
    assert "empty password" in result.stderr
