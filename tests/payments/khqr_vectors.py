"""KHQR vectors: the golden ones of spec/dpi-protocols.md §3.2, and NBC SDK outputs from its own tests."""

G1 = "00020101021129170013merchant@nbcq5204599953038405802KH5917Lucky Supermarket6010Phnom Penh6304FBE4"
G2 = (
    "00020101021229170013merchant@nbcq5204599953031165802KH5405255005917Lucy Supermarket"
    "6010Phnom Penh630461F1"
)
G3 = (
    "00020101021130470009khqr@aclb0111855124649170215ACLEDA Bank Plc5204599953038405802KH5907BUN MAO"
    "6010Phnom Penh6102126213020901050033164310002KM0107BUN MAO0210Phnom Penh6304E313"
)
G5 = (
    "00020101021129180014jonhsmith@nbcq5204599953031165802KH5910Jonh Smith6010Phnom Penh"
    "62260108INV-00010303MOC0703WEB6304657F"
)
G7 = (
    "00020101021229180014your_name@bank520459995303116540498005802KH5909Your Name6010Phnom Penh"
    "62510109TRX01234502090123456780311Phsar Thmei0706POS-01993400131773894603019011317738947758196304A5A3"
)
G5_NEGATIVE = G5[:-1] + "E"
G7_CREATED, G7_EXPIRES = 1773894603019, 1773894775819

MD5 = {
    "G1": "c7d478512fdde8c7f09aa864ba63d8d3",
    "G2": "dafc8c23b0021eedd52dd84bdd660449",
    "G3": "9631e4858cbeea0cd1191d3f6ff36cb3",
    "G5": "e88a0b52995846d9a015efeab716f091",
    "G7": "3dc50c785e47a215feb336d44807825c",
}
VALID = {"G1": G1, "G3": G3, "G5": G5, "G7": G7}

# BakongKHQR.decode(G3).data, as the spec records it.
G3_DECODED = {
    "merchantType": "30",
    "bakongAccountID": "khqr@aclb",
    "accountInformation": None,
    "merchantID": "85512464917",
    "acquiringBank": "ACLEDA Bank Plc",
    "billNumber": None,
    "mobileNumber": "010500331",
    "storeLabel": None,
    "terminalLabel": None,
    "purposeOfTransaction": None,
    "languagePreference": "KM",
    "merchantNameAlternateLanguage": "BUN MAO",
    "merchantCityAlternateLanguage": "Phnom Penh",
    "creationTimestamp": None,
    "expirationTimestamp": None,
    "payloadFormatIndicator": "01",
    "pointofInitiationMethod": "11",
    "unionPayMerchant": None,
    "merchantCategoryCode": "5999",
    "transactionCurrency": "840",
    "transactionAmount": None,
    "countryCode": "KH",
    "merchantName": "BUN MAO",
    "merchantCity": "Phnom Penh",
    "crc": "E313",
}

# The SDK's test/individualGenerate.test.js: IndividualInfo arguments and the QR it makes, up to the
# timestamp (dynamic) or CRC (static) field, which depend on the clock.
_JONH = {"bakongAccountID": "jonhsmith@nbcq", "merchantName": "Jonh Smith"}
_FULL = {
    "currency": 116,
    "amount": 50000,
    "mobileNumber": "85512345678",
    "billNumber": "INV-2021-07-65822",
    "storeLabel": "BKK-1",
    "terminalLabel": "012345",
}
SDK_INDIVIDUAL = [
    (
        {
            **_JONH,
            "merchantCity": "PHNOM PENH",
            "currency": 840,
            "amount": 1,
            "billNumber": "INV-2021-07-65822",
        },
        "00020101021229180014jonhsmith@nbcq520459995303840540115802KH5910Jonh Smith6010PHNOM PENH"
        "62210117INV-2021-07-65822",
    ),
    (
        {
            **_JONH,
            "merchantCity": "Phnom Penh",
            "currency": 116,
            "amount": 50000,
            "mobileNumber": "85512345678",
        },
        "00020101021229180014jonhsmith@nbcq5204599953031165405500005802KH5910Jonh Smith6010Phnom Penh"
        "6215021185512345678",
    ),
    (
        {**_JONH, "merchantCity": "Phnom Penh", "amount": 50000, "storeLabel": "BKK-1"},
        "00020101021229180014jonhsmith@nbcq5204599953031165405500005802KH5910Jonh Smith6010Phnom Penh"
        "62090305BKK-1",
    ),
    (
        {**_JONH, "merchantCity": "Siam Reap", **_FULL},
        "00020101021229180014jonhsmith@nbcq5204599953031165405500005802KH5910Jonh Smith6009Siam Reap"
        "62550117INV-2021-07-658220211855123456780305BKK-10706012345",
    ),
    (
        {
            **_JONH,
            "merchantCity": "Siam Reap",
            **_FULL,
            "acquiringBank": "Dev Bank",
            "accountInformation": "012345678",
        },
        "00020101021229430014jonhsmith@nbcq01090123456780208Dev Bank5204599953031165405500005802KH"
        "5910Jonh Smith6009Siam Reap62550117INV-2021-07-658220211855123456780305BKK-10706012345",
    ),
    (
        {**_JONH, "merchantCity": "Siam Reap", **_FULL, "acquiringBank": "Dev Bank"},
        "00020101021229300014jonhsmith@nbcq0208Dev Bank5204599953031165405500005802KH5910Jonh Smith"
        "6009Siam Reap62550117INV-2021-07-658220211855123456780305BKK-10706012345",
    ),
    (
        {**_JONH, "merchantCity": "Siam Reap", **_FULL, "accountInformation": "012345678"},
        "00020101021229310014jonhsmith@nbcq01090123456785204599953031165405500005802KH5910Jonh Smith"
        "6009Siam Reap62550117INV-2021-07-658220211855123456780305BKK-10706012345",
    ),
    (
        {
            **_JONH,
            "merchantCity": "Siam Reap",
            "languagePreference": "km",
            "merchantNameAlternateLanguage": "ចន ស្មីន",
            "merchantCityAlternateLanguage": "សៀមរាប",
        },
        "00020101021129180014jonhsmith@nbcq5204599953031165802KH5910Jonh Smith6009Siam Reap"
        "64280002km0108ចន ស្មីន0206សៀមរាប",
    ),
    (
        {
            **_JONH,
            "merchantCity": "Phnom Penh",
            "mobileNumber": "85512345678",
            "purposeOfTransaction": "Testing",
        },
        "00020101021129180014jonhsmith@nbcq5204599953031165802KH5910Jonh Smith6010Phnom Penh"
        "62260211855123456780807Testing",
    ),
]
# The SDK's amount tests: (currency, amount given, tag 54 value written).
SDK_AMOUNTS = [
    (116, 100.0, "100"),
    (116, 9999999999.0, "9999999999"),
    (116, 10000, "10000"),
    (840, 1.12, "1.12"),
    (840, 1000, "1000"),
    (840, 100.11, "100.11"),
    (840, 100.12, "100.12"),
    (840, 12345678901.0, "12345678901"),
    (840, 9999999999.99, "9999999999.99"),
    (840, 12.5, "12.50"),
    (840, "12.5", "12.50"),
    (840, 1.0, "1"),
]
