"""The student archive's categories (三)–(六) (R7.2): comprehensive quality, physical fitness and
health, awards, financial aid — structured records declared once each, entered by the registrar or
imported in bulk, with history and evidence."""
