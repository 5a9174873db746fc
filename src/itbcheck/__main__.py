from itbcheck.cli import main

main()
