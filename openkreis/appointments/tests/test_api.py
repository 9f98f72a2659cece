"""The read-only JSON API: bookable services, offices for them, free days and slots."""


def test_api_services_offices_and_slots(client, quedlinburg):
    keys = [s["key"] for s in client.get("/api/v1/appointments/services/").json()]
    assert "fuehrerschein-umtausch" in keys and "abholschalter" in keys
    offices = client.get(
        "/api/v1/appointments/offices/?leistung=fuehrerschein-umtausch&gemeinde=15085235"
    ).json()
    assert offices[0]["location"] == "lra-quedlinburg"
    base = "/api/v1/appointments/slots/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg"
    days = client.get(base).json()["days"]
    slots = client.get(base + "&tag=" + days[0]["day"]).json()["slots"]
    assert slots and slots[0]["free"] == 1
    assert client.get("/api/v1/appointments/slots/?leistung=nope&standort=x").status_code == 400
    assert client.get(base + "&tag=morgen").status_code == 400
