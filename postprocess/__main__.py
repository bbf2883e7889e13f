from postprocess.commands.cli import main

main()
