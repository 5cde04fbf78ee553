"""The README's AuthenticatedOnly example, answering with the user Mango-JWT loaded."""
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from mongo_auth.permissions import AuthenticatedOnly


class GetTest(APIView):

    permission_classes = [AuthenticatedOnly]

    def get(self, request, format=None):
        try:
            return Response(status=status.HTTP_200_OK, data={"data": request.user})
        except Exception:
            return Response(status=status.HTTP_404_NOT_FOUND)
