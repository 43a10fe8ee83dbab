"""What this app's FHIR R4 Questionnaires are held to beyond the model (definition.py): the
extension URLs they are read and written with, and the size limits `parse` enforces.

Reading (questionnaire.py and its questionnaire_* modules), writing (questionnaire_export.py)
and the builder share these; questionnaire.py re-exports every name here.
"""

MAX_ITEMS = 500
MAX_DEPTH = 5
MAX_LINK_ID = 64
MAX_TEXT = 2000
MAX_LONG_TEXT = 20000  # description and copyright: an instrument's notice can be long

EXT = "http://hl7.org/fhir/StructureDefinition/"
TRANSLATION_URL = EXT + "translation"
MIN_VALUE_URL = EXT + "minValue"
MAX_VALUE_URL = EXT + "maxValue"
ORDINAL_URL = EXT + "ordinalValue"
# The R4 core extension, its older name, and R5's itemWeight: all mean an option's score.
ORDINAL_URLS = (ORDINAL_URL, EXT + "questionnaire-ordinalValue", EXT + "itemWeight")
SCORING_URL = "https://familyapp.org/fhir/StructureDefinition/questionnaire-scoring"
