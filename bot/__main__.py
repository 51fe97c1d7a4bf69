"""`python -m bot` and the `advocacy-bot` command: the CLI, loaded with the collector paused."""

from bot.collector import paused


def main() -> None:
    with paused():
        from bot.cli import app
    app()


if __name__ == "__main__":
    main()
