from eligibility._cli import run

run()
