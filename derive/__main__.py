from derive.cli import cli

cli(prog_name="derive")
