from kiosk_app.cli import main

main()
