from django.db import models


class QuickBooksRealm(models.Model):
    """One firm's connection to one QuickBooks company (a realm). Two firms may serve the
    same company; each has its own row and its own tokens (kept in the firm's schema)."""

    realm_id = models.CharField(max_length=32, db_index=True)
    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    connection_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "connection_id"],
                                               name="uniq_realm_firm_connection")]

    def __str__(self) -> str:
        return f"QuickBooks company {self.realm_id}"
