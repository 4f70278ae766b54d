from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .export import bills_for_export, write_csv
from .filters import BillFilter
from .models import Bill


@require_GET
def bill_list(request):
    bills = BillFilter(
        request.GET,
        queryset=Bill.objects.select_related("chapter", "lead_ministry").prefetch_related("co_ministries"),
    )
    template = "legislation/bill_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filter": bills, "bills": bills.qs})


@require_GET
def bill_detail(request, key):
    bill = get_object_or_404(
        Bill.objects.select_related("chapter", "lead_ministry", "parent", "owner").prefetch_related(
            "co_ministries", "children", "milestones__owner", "moves__moved_by"
        ),
        key=key,
    )
    return render(request, "legislation/bill_detail.html", {"bill": bill})


@require_GET
def register_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"wetgevingsregister-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    write_csv(response, BillFilter(request.GET, queryset=bills_for_export()).qs)
    return response
