"""Monthly action plans (PAM): plan + CRM data -> one document per rep for a fiscal month.

    objectives.py  revenue objectives of the month (plan and catch-up)
    actions.py     activity objectives of the month
    accounts.py    the targeted accounts due for an action this month
    deals.py       the opportunities to push
    document.py    one rep's PAM, assembled (a plain, JSON-ready value)
    formats.py     Markdown, JSON and YAML renderings; xlsx.py the workbook
    files.py       where PAMs go, and how hand edits are protected
"""
