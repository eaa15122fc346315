"""Allow `python -m hotspots` as an alias of the `hotspots` command."""

from hotspots.cli import main

if __name__ == "__main__":
    main()
