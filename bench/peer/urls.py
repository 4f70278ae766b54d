from django.urls import include, path
from rest_framework import generics, serializers


class CardSerializer(serializers.ModelSerializer):
    lead_ministry = serializers.SlugRelatedField(slug_field="code", read_only=True)
    chapter = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        from peer.models import Card

        model = Card
        fields = ["id", "key", "short_title", "instrument", "stage", "version", "on_hold", "controversial",
                  "lead_ministry", "chapter", "owner", "updated_at"]


class Board(generics.ListAPIView):
    """Every card of the board, as a typical DRF kanban back end serves it to its JavaScript front end."""

    serializer_class = CardSerializer

    def get_queryset(self):
        from peer.models import Card

        return Card.objects.select_related("lead_ministry", "chapter", "owner")


urlpatterns = [
    path("api/cards/", Board.as_view()),
    path("api-auth/", include("rest_framework.urls")),
]
