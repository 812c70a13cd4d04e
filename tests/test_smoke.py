def test_health(client, db):
    assert client.get("/sante/").status_code == 200
