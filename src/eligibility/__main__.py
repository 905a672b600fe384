from eligibility._cli import main

main()
