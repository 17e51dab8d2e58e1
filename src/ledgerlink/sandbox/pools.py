"""Word pools and reference tables for the sandbox data generator (pure data, no Django).

Phone numbers use the ranges regulators reserve for fiction (Ofcom 0113 496 0xxx,
US 555-01xx) so nothing generated here dials a real business.
"""

from __future__ import annotations

# fmt: off

PREFIXES: tuple[str, ...] = (
    "Acme", "Northern", "Blue Ridge", "Harbour", "Summit", "Oakwood", "Silverline", "Redwood",
    "Granite", "Meridian", "Pioneer", "Evergreen", "Kingfisher", "Riverside", "Highland",
    "Lakeside", "Bridgewater", "Crown", "Sterling", "Phoenix", "Beacon", "Cobalt", "Falcon",
    "Horizon", "Ironbridge", "Juniper", "Keystone", "Larchfield", "Maple", "Nimbus", "Orchard",
    "Pennine", "Quayside", "Rosewood", "Saxon", "Thames", "Unity", "Vanguard", "Westfield",
    "Yew Tree", "Zenith", "Albion", "Brightwater", "Castle", "Dalton", "Eastgate", "Foxglove",
    "Greenway", "Hawthorn", "Ivory", "Jubilee", "Kestrel", "Lion", "Mercia", "Newbury",
    "Oxbridge", "Parkside", "Queensway", "Regent", "Southern", "Trident", "Upland", "Valley",
    "Windmill", "Atlas", "Bluebell", "Cedar", "Delta", "Elm", "Forge", "Galaxy", "Heron",
    "Island", "Jet", "Kite", "Lantern", "Mosaic", "North Star", "Opal", "Pinnacle", "Quantum",
    "Rapid", "Sapphire", "Tudor", "Urban", "Vertex", "Willow", "Apex", "Bay", "Compass",
    "Dune", "Eagle", "Fern", "Globe", "Hillside", "Inland", "Jade", "Kingsway", "Lighthouse",
    "Moorland", "Nova", "Ocean", "Prime", "Red Kite", "Stone", "Tower", "Union", "Viking",
    "Waterside", "Ash", "Birch", "Coastal", "Drummond", "Emerald", "Fairway", "Garnet",
    "Helix", "Indigo", "Marlow",
)

# (industry, name words, expense account codes, line descriptions, base line amount in pence)
INDUSTRIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], int], ...] = (
    ("logistics", ("Logistics", "Freight", "Haulage", "Couriers", "Transport"), ("325", "425"),
     ("Freight charges", "Courier services", "Pallet delivery", "Fuel surcharge",
      "Same-day delivery"), 42_000),
    ("supplies", ("Supplies", "Office Supplies", "Stationers", "Trade Supplies"), ("453", "461"),
     ("Office supplies", "Printer paper and toner", "Desk accessories", "Packaging materials"),
     18_000),
    ("it", ("Systems", "IT Services", "Networks", "Computing", "Digital"), ("495", "720"),
     ("Managed IT support", "Laptop", "Network switch", "Cloud hosting", "Helpdesk retainer"),
     65_000),
    ("software", ("Software", "Cloud", "Apps"), ("485", "495"),
     ("Annual licence", "Monthly subscription", "User seats", "Support plan"), 24_000),
    ("consulting", ("Consulting", "Advisory", "Associates", "Management"), ("412",),
     ("Consultancy days", "Project management", "Strategy workshop", "Audit fees"), 120_000),
    ("catering", ("Catering", "Foods", "Kitchens", "Provisions", "Bakery"), ("420", "310"),
     ("Catering for event", "Fresh produce", "Dry goods", "Beverages", "Staff lunch"), 26_000),
    ("cleaning", ("Cleaning", "Hygiene", "Facilities"), ("408",),
     ("Office cleaning", "Window cleaning", "Washroom services", "Deep clean"), 32_000),
    ("energy", ("Energy", "Power", "Utilities"), ("445",),
     ("Electricity", "Gas supply", "Standing charge", "Water rates"), 55_000),
    ("telecom", ("Telecom", "Communications", "Mobile"), ("489",),
     ("Broadband", "Mobile contracts", "Phone line rental", "Call charges"), 21_000),
    ("legal", ("Legal", "Solicitors", "Law"), ("441",),
     ("Legal advice", "Contract review", "Conveyancing", "Trademark filing"), 150_000),
    ("marketing", ("Marketing", "Media", "Creative", "Design"), ("400",),
     ("Online advertising", "Brochure design", "Social media campaign", "Trade show stand"),
     80_000),
    ("property", ("Properties", "Estates", "Lettings"), ("469", "473"),
     ("Office rent", "Service charge", "Maintenance call-out", "Building repairs"), 250_000),
    ("insurance", ("Insurance", "Underwriting", "Assurance"), ("433",),
     ("Public liability insurance", "Fleet insurance", "Property insurance"), 90_000),
    ("wholesale", ("Wholesale", "Trading", "Distribution", "Imports"), ("310",),
     ("Stock purchase", "Raw materials", "Goods for resale", "Components"), 180_000),
    ("engineering", ("Engineering", "Mechanical", "Electrical", "Fabrication"), ("320", "473"),
     ("Subcontracted labour", "Equipment repair", "Electrical works", "Installation"),
     140_000),
    ("print", ("Print", "Printing", "Signs"), ("461", "400"),
     ("Business cards", "Printed signage", "Leaflets", "Banner printing"), 15_000),
    ("travel", ("Travel", "Tours", "Coaches"), ("493", "494"),
     ("Rail tickets", "Flights", "Hotel accommodation", "Coach hire"), 45_000),
    ("fleet", ("Fleet", "Motors", "Vehicle Hire", "Garages"), ("449",),
     ("Vehicle lease", "Servicing", "Tyres", "MOT and repairs"), 60_000),
)
NAME_WORDS: tuple[tuple[str, int], ...] = tuple(
    (word, index) for index, industry in enumerate(INDUSTRIES) for word in industry[1]
)
NAME_VARIANTS: tuple[str, ...] = (
    "", " Group", " & Co", " Partners", " International", " Holdings", " UK", " Direct",
)
NAME_BLOCK = len(PREFIXES) * len(NAME_WORDS)  # 8,400 plain names, then variants

FIRST_NAMES: tuple[str, ...] = (
    "Alice", "Ben", "Chloe", "Daniel", "Emma", "Farid", "Grace", "Harry", "Isla", "Jack",
    "Kiran", "Laura", "Mohammed", "Nina", "Oliver", "Priya", "Quentin", "Rosa", "Sam", "Tara",
    "Uma", "Victor", "Wendy", "Xavier", "Yasmin", "Zoe", "Aisha", "Bruno", "Claire", "Dev",
    "Elena", "Felix", "Hannah", "Ivan", "Julia", "Lucas", "Maria", "Noah", "Olivia", "Pedro",
    "Sofia", "Tom", "Anna", "Jonas", "Lea", "Marc", "Sophie", "Pieter", "Sean", "Aoife",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Khan", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green", "Hall", "Clarke",
    "Lewis", "Murphy", "Kelly", "Müller", "Schmidt", "Schneider", "Fischer", "Martin",
    "Bernard", "Dubois", "Moreau", "de Vries", "Jansen", "Bakker", "Garcia", "Miller", "Davis",
    "Rodriguez", "Chen", "Nguyen", "Singh", "O'Brien", "Byrne", "Walsh", "Ahmed", "Ali",
    "Novak", "Rossi", "Silva", "Costa", "Young",
)

# country: (currency, legal suffixes, tld, cities, streets, street number goes first)
# city: (city, region, postcode stem)
COUNTRIES: dict[str, tuple[str, tuple[str, ...], str, tuple[tuple[str, str, str], ...],
                           tuple[str, ...], bool]] = {
    "GB": (
        "GBP", ("Ltd", "Ltd", "Limited", "LLP", "plc"), "co.uk",
        (("London", "Greater London", "EC1A"), ("Leeds", "West Yorkshire", "LS1"),
         ("Manchester", "Greater Manchester", "M1"), ("Bristol", "Bristol", "BS1"),
         ("Glasgow", "Scotland", "G1"), ("Birmingham", "West Midlands", "B1"),
         ("Cardiff", "Wales", "CF10"), ("Belfast", "Northern Ireland", "BT1"),
         ("Southampton", "Hampshire", "SO14"), ("Newcastle upon Tyne", "Tyne and Wear", "NE1"),
         ("Norwich", "Norfolk", "NR1"), ("Edinburgh", "Scotland", "EH1")),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Road",
         "King Street", "Queen Street", "Market Place", "London Road", "The Green",
         "Bridge Street"),
        True,
    ),
    "IE": (
        "EUR", ("Ltd", "DAC", "Teoranta"), "ie",
        (("Dublin", "County Dublin", "D02"), ("Cork", "County Cork", "T12"),
         ("Galway", "County Galway", "H91"), ("Limerick", "County Limerick", "V94")),
        ("Main Street", "O'Connell Street", "Grafton Street", "Harbour Road"),
        True,
    ),
    "FR": (
        "EUR", ("SARL", "SAS", "SA"), "fr",
        (("Paris", "Île-de-France", "750"), ("Lyon", "Auvergne-Rhône-Alpes", "690"),
         ("Marseille", "Provence-Alpes-Côte d'Azur", "130"), ("Lille", "Hauts-de-France", "590"),
         ("Toulouse", "Occitanie", "310")),
        ("rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo",
         "place de la Gare"),
        True,
    ),
    "DE": (
        "EUR", ("GmbH", "GmbH", "AG", "KG"), "de",
        (("Berlin", "Berlin", "101"), ("München", "Bayern", "803"),
         ("Hamburg", "Hamburg", "200"), ("Köln", "Nordrhein-Westfalen", "506"),
         ("Frankfurt am Main", "Hessen", "603")),
        ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Industriestraße"),
        False,
    ),
    "NL": (
        "EUR", ("B.V.", "B.V.", "N.V."), "nl",
        (("Amsterdam", "Noord-Holland", "1012"), ("Rotterdam", "Zuid-Holland", "3011"),
         ("Utrecht", "Utrecht", "3511"), ("Eindhoven", "Noord-Brabant", "5611")),
        ("Keizersgracht", "Damrak", "Stationsplein", "Kerkstraat"),
        False,
    ),
    "US": (
        "USD", ("Inc.", "LLC", "Corp."), "com",
        (("New York", "NY", "100"), ("Chicago", "IL", "606"), ("Austin", "TX", "787"),
         ("Seattle", "WA", "981"), ("Boston", "MA", "021"), ("Denver", "CO", "802")),
        ("Main Street", "Oak Avenue", "Market Street", "Broadway", "Elm Street"),
        True,
    ),
}
COUNTRY_CODES = tuple(COUNTRIES)
LINE2: tuple[str, ...] = ("Unit 4", "Suite 200", "2nd Floor", "Building B", "Floor 3")

# Units of each currency in GBP, roughly (the generator adds a daily wobble).
GBP_PER_UNIT: dict[str, float] = {"GBP": 1.0, "EUR": 0.855, "USD": 0.785}
HOME_COUNTRY: dict[str, str] = {"GBP": "GB", "EUR": "IE", "USD": "US"}

# Payment methods as the platform records them in `paymentMethod`.
CARD, BANK_TRANSFER, CHEQUE, CASH = "Credit Card", "Bank Transfer", "Cheque", "Cash"

PAYEES: tuple[str, ...] = (
    "Tesco", "Sainsbury's", "Shell", "BP", "Uber", "Trainline", "Amazon Marketplace",
    "Pret A Manger", "Costa Coffee", "Royal Mail", "Post Office", "Screwfix", "Staples",
    "Premier Inn", "Travelodge", "TfL", "National Rail", "Booking.com", "Zoom",
    "Google Workspace", "Microsoft 365", "Adobe", "Slack", "Dropbox", "Apple", "Currys",
    "Argos", "IKEA", "Wickes", "B&Q", "Deliveroo", "Eurostar", "Ryanair", "easyJet", "NCP",
)
# Expense account codes that fit those payees (same order, cycled).
PAYEE_ACCOUNTS: tuple[str, ...] = (
    "420", "420", "449", "449", "493", "493", "453", "420", "420", "425", "425", "473",
    "453", "493", "493", "493", "493", "494", "485", "485", "485", "485", "485", "485", "720",
    "720", "453", "453", "473", "473", "420", "494", "494", "494", "449",
)

# The chart of accounts: (code, name, type, class, bankAccountType, currency role, active).
# Names in braces come from BANK_NAMES for the tenant's base currency; currency role "base"
# is the tenant's base currency, "fx1"/"fx2" the two foreign currencies it holds accounts in.
CHART: tuple[tuple[str, str, str, str, str | None, str, bool], ...] = (
    ("090", "{current}", "BANK", "ASSET", "BANK", "base", True),
    ("091", "{saver}", "BANK", "ASSET", "BANK", "base", True),
    ("092", "{fx1}", "BANK", "ASSET", "BANK", "fx1", True),
    ("093", "{fx2}", "BANK", "ASSET", "BANK", "fx2", True),
    ("094", "Petty Cash", "BANK", "ASSET", "BANK", "base", True),
    ("095", "Amex Business Card 1003", "BANK", "LIABILITY", "CREDITCARD", "base", True),
    ("096", "{visa}", "BANK", "LIABILITY", "CREDITCARD", "base", True),
    ("097", "PayPal", "BANK", "ASSET", "PAYPAL", "base", True),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", None, "base", True),
    ("620", "Prepayments", "CURRENT", "ASSET", None, "base", True),
    ("630", "Inventory", "INVENTORY", "ASSET", None, "base", True),
    ("710", "Office Equipment", "FIXED", "ASSET", None, "base", True),
    ("720", "Computer Equipment", "FIXED", "ASSET", None, "base", True),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", None, "base", True),
    ("820", "{tax} Control", "CURRLIAB", "LIABILITY", None, "base", True),
    ("825", "Payroll Liabilities", "CURRLIAB", "LIABILITY", None, "base", True),
    ("900", "Business Loan", "TERMLIAB", "LIABILITY", None, "base", True),
    ("960", "Retained Earnings", "EQUITY", "EQUITY", None, "base", True),
    ("970", "Share Capital", "EQUITY", "EQUITY", None, "base", True),
    ("200", "Sales", "REVENUE", "REVENUE", None, "base", True),
    ("260", "Other Revenue", "REVENUE", "REVENUE", None, "base", True),
    ("270", "Interest Income", "OTHERINCOME", "REVENUE", None, "base", True),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", None, "base", True),
    ("320", "Subcontractors", "DIRECTCOSTS", "EXPENSE", None, "base", True),
    ("325", "Freight & Courier", "DIRECTCOSTS", "EXPENSE", None, "base", True),
    ("400", "Advertising & Marketing", "EXPENSE", "EXPENSE", None, "base", True),
    ("404", "Bank Fees", "EXPENSE", "EXPENSE", None, "base", True),
    ("408", "Cleaning", "EXPENSE", "EXPENSE", None, "base", True),
    ("412", "Consulting & Accounting", "EXPENSE", "EXPENSE", None, "base", True),
    ("416", "Depreciation", "DEPRECIATN", "EXPENSE", None, "base", True),
    ("420", "Entertainment", "EXPENSE", "EXPENSE", None, "base", True),
    ("425", "Postage & Delivery", "EXPENSE", "EXPENSE", None, "base", True),
    ("429", "General Expenses", "EXPENSE", "EXPENSE", None, "base", True),
    ("433", "Insurance", "EXPENSE", "EXPENSE", None, "base", True),
    ("437", "Interest Expense", "EXPENSE", "EXPENSE", None, "base", True),
    ("441", "Legal Expenses", "EXPENSE", "EXPENSE", None, "base", True),
    ("445", "Light, Power, Heating", "EXPENSE", "EXPENSE", None, "base", True),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "EXPENSE", None, "base", True),
    ("453", "Office Expenses", "EXPENSE", "EXPENSE", None, "base", True),
    ("461", "Printing & Stationery", "EXPENSE", "EXPENSE", None, "base", True),
    ("469", "Rent", "EXPENSE", "EXPENSE", None, "base", True),
    ("473", "Repairs and Maintenance", "EXPENSE", "EXPENSE", None, "base", True),
    ("477", "Wages and Salaries", "EXPENSE", "EXPENSE", None, "base", True),
    ("485", "Subscriptions", "EXPENSE", "EXPENSE", None, "base", True),
    ("489", "Telephone & Internet", "EXPENSE", "EXPENSE", None, "base", True),
    ("493", "Travel - National", "EXPENSE", "EXPENSE", None, "base", True),
    ("494", "Travel - International", "EXPENSE", "EXPENSE", None, "base", True),
    ("495", "IT Software and Services", "EXPENSE", "EXPENSE", None, "base", True),
    ("499", "Old Suspense Account", "EXPENSE", "EXPENSE", None, "base", False),
)
BANK_NAMES: dict[str, dict[str, str]] = {
    "GBP": {"current": "Barclays Current Account", "saver": "Barclays Business Saver",
            "fx1": "Barclays EUR Account", "fx2": "HSBC USD Account",
            "visa": "Barclaycard Visa 4417", "tax": "VAT", "fx1_ccy": "EUR", "fx2_ccy": "USD"},
    "EUR": {"current": "AIB Business Current Account", "saver": "AIB Business Deposit",
            "fx1": "Revolut GBP Account", "fx2": "Revolut USD Account",
            "visa": "AIB Visa Business Card 2291", "tax": "VAT", "fx1_ccy": "GBP",
            "fx2_ccy": "USD"},
    "USD": {"current": "Chase Business Checking", "saver": "Chase Business Savings",
            "fx1": "Wise EUR Account", "fx2": "Wise GBP Account",
            "visa": "Chase Ink Visa 4417", "tax": "Sales Tax", "fx1_ccy": "EUR",
            "fx2_ccy": "GBP"},
}
# fmt: on
