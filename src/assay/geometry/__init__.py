"""Geometry helpers shared by annotation formats and quality metrics."""

from assay.geometry.boxes import box_area, box_iou, from_xyxy, to_xyxy

__all__ = ["box_area", "box_iou", "from_xyxy", "to_xyxy"]
