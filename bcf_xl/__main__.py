from bcf_xl.cli import app

app(prog_name="bcf-xl")
