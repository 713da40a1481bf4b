"""`python -m central_service ...` is the `central` command."""

from central_service.cli import main

main()
